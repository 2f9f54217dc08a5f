; call_gates: far CALL/JMP/RET across privilege levels (SDM vol. 3 5.8;
; vol. 2 CALL, JMP, RET): 32-bit call gate ring 3 -> ring 0 copying 3
; dword parameters with the TSS stack switch, RETF 12 back (and DS/GS with
; DPL < CPL nulled, ES DPL 3 and FS conforming kept); 16-bit call gate from
; 16-bit ring-3 code copying 2 word parameters, RETF 4; a gate to ring 1
; (TSS.SS1:ESP1); a direct far call to conforming code (CPL unchanged,
; CS.RPL = CPL); JMP through a gate at the same privilege; and the faults:
; direct call to more privileged code, gate DPL < CPL, gate not present,
; JMP through a gate to more privileged code, RETF to an inner ring, gate
; to a data segment, gate to a not-present code segment.
; area: privilege levels, call gates
; reference: qemu

%define KERNEL_NAME "call_gates"
%include "lib/kernel.inc"

G32     equ 0x68                    ; 32-bit call gate, DPL 3 -> 0008:cg32, 3 params
G16     equ 0x70                    ; 16-bit call gate, DPL 3 -> C16R0:cg16, 2 params
G0      equ 0x78                    ; 32-bit call gate, DPL 0 -> 0008:cg32
C16R0   equ 0x80                    ; 16-bit code, DPL 0, base ROM_BASE
C16R3   equ 0x88                    ; 16-bit code, DPL 3, base ROM_BASE
G1      equ 0x90                    ; 32-bit call gate, DPL 3 -> ring-1 code:cg1
S_CONF  equ 0x98                    ; conforming code, DPL 0, flat
GNP     equ 0xA0                    ; call gate DPL 3, not present
GJ0     equ 0xA8                    ; call gate DPL 0 -> 0008:jmp_target
GDATA   equ 0xB0                    ; call gate DPL 3 -> data segment
CNP     equ 0xB8                    ; code DPL 0, not present
GCNP    equ 0xC0                    ; call gate DPL 3 -> CNP

        bits 32
main:
        SETGATE G32, SEL_CODE32, cg32, ACC_P | ACC_DPL(3) | T_CALL32, 3
        SETGATE G16, C16R0, R(cg16), ACC_P | ACC_DPL(3) | T_CALL16, 2
        SETGATE G0, SEL_CODE32, cg32, ACC_P | T_CALL32, 3
        SETDESC C16R0, ROM_BASE, 0xFFFF, ACC_P | ACC_CODE | ACC_R, 0
        SETDESC C16R3, ROM_BASE, 0xFFFF, ACC_P | ACC_DPL(3) | ACC_CODE | ACC_R, 0
        SETGATE G1, SEL_CODE32_R1, cg1, ACC_P | ACC_DPL(3) | T_CALL32, 0
        SETDESC S_CONF, 0, 0xFFFFF, ACC_P | ACC_CODE | ACC_C | ACC_R, FLG_G | FLG_DB
        SETGATE GNP, SEL_CODE32, cg32, ACC_DPL(3) | T_CALL32, 0
        SETGATE GJ0, SEL_CODE32, jmp_target, ACC_P | T_CALL32, 0
        SETGATE GDATA, SEL_DATA32, cg32, ACC_P | ACC_DPL(3) | T_CALL32, 0
        SETDESC CNP, 0, 0xFFFFF, ACC_CODE | ACC_R, FLG_G | FLG_DB
        SETGATE GCNP, CNP, cg32, ACC_P | ACC_DPL(3) | T_CALL32, 0

        ; ---------------------------------------------------------- 32-bit gate
        PRINTLN "call 006b:0 (32-bit gate, 3 params) from ring 3:"
        TRY r3a, "r3"
        TO_RING3 r3a
r3a:    mov eax, SEL_DATA32_R3
        mov ds, ax
        push dword 0x11111111
        push dword 0x22222222
        push dword 0x33333333
        call G32 | 3:0
cg32_ret:
        mov eax, cs
        PKV16 "  r3 after retf 12: cs=", eax
        mov eax, ss
        PKV16 " ss=", eax
        mov eax, esp
        PKV32 " esp=", eax
        PKVSEG " ds=", ds
        PKVSEG " es=", es
        PKVSEG " fs=", fs
        PKVSEG " gs=", gs
        PRINTLN
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- 16-bit gate
        PRINTLN "call 0073:0 (16-bit gate, 2 params) from 16-bit ring 3:"
        TRY r3b, "r3"
        TO_RING3 r3b
r3b:    jmp C16R3 | 3:R(r3b16)
        bits 16
r3b16:  mov eax, cs
        PKV16 "  r3 16-bit code: cs=", eax
        PRINTLN
        push word 0xAAAA
        push word 0xBBBB
        call G16 | 3:0
cg16_ret:
        mov eax, cs
        PKV16 "  r3 after retf 4: cs=", eax
        movzx eax, sp
        PKV16 " sp=", eax
        PRINTLN
        jmp dword SEL_CODE32_R3:r3b_done
        bits 32
r3b_done:
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- ring 1
        PRINTLN "call 0093:0 (gate to ring 1) from ring 3:"
        TRY r3c, "r3"
        TO_RING3 r3c
r3c:    call G1 | 3:0
cg1_ret:
        mov eax, cs
        PKV16 "  r3 after retf: cs=", eax
        mov eax, esp
        PKV32 " esp=", eax
        PRINTLN
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- conforming
        PRINTLN "call 009b:conf_proc (conforming dpl 0) from ring 3:"
        TRY r3d, "r3"
        TO_RING3 r3d
r3d:    call S_CONF | 3:conf_proc
        mov eax, cs
        PKV16 "  r3 after retf: cs=", eax
        PRINTLN
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- jmp through a gate
        PRINT "jmp 00a8:0 (gate dpl 0 -> ring 0) at ring 0: "
        TRY
        jmp GJ0:0
        ENDTRY

        ; ---------------------------------------------------------- faults
        R3BEGIN "call 0008:x (nonconforming dpl 0) from ring 3: "
        call SEL_CODE32:cg32
        R3END
        R3BEGIN "call 007b:0 (gate dpl 0) from ring 3: "
        call G0 | 3:0
        R3END
        R3BEGIN "call 00a3:0 (gate not present) from ring 3: "
        call GNP | 3:0
        R3END
        R3BEGIN "jmp 006b:0 (gate -> ring 0) from ring 3: "
        jmp G32 | 3:0
        R3END
        R3BEGIN "retf to 0008 from ring 3: "
        push dword SEL_CODE32
        push dword main
        retf
        R3END
        R3BEGIN "call 00b3:0 (gate -> data segment) from ring 3: "
        call GDATA | 3:0
        R3END
        R3BEGIN "call 00c3:0 (gate -> not-present code) from ring 3: "
        call GCNP | 3:0
        R3END
        EXIT 0

; 32-bit gate target, ring 0: the frame after the stack switch is
; EIP, CS, param(last pushed) .. param(first pushed), ESP, SS
cg32:
        push ebp
        mov ebp, esp
        mov eax, [ebp + 4]
        sub eax, cg32_ret
        PKV16 "  cg32 frame: eip=ret+", eax
        PKV16 " cs=", [ebp + 8]
        PKV32 " params=", [ebp + 12]
        PKV32 ",", [ebp + 16]
        PKV32 ",", [ebp + 20]
        PKV32 " esp=", [ebp + 24]
        PKV16 " ss=", [ebp + 28]
        PRINTLN
        mov eax, cs
        PKV16 "  cg32 runs at cs=", eax
        mov eax, ss
        PKV16 " ss=", eax
        lea eax, [ebp + 4]
        PKV32 " esp=", eax
        PKVSEG " ds=", ds
        PRINTLN
        mov eax, SEL_DATA32         ; DPL 0 data: nulled by the return to ring 3
        mov ds, ax
        mov gs, ax
        mov eax, SEL_DATA32_R3      ; DPL 3: kept
        mov es, ax
        mov eax, S_CONF             ; conforming code: kept
        mov fs, ax
        pop ebp
        retf 12

; 16-bit gate target (16-bit code, ring 0): IP, CS, BBBB, AAAA, SP, SS
        bits 16
cg16:
        push bp
        mov bp, sp
        movzx eax, word [bp + 2]
        sub eax, R(cg16_ret)
        PKV16 "  cg16 frame: ip=ret+", eax
        PKV16 " cs=", [bp + 4]
        PKV16 " params=", [bp + 6]
        PKV16 ",", [bp + 8]
        PKV16 " sp=", [bp + 10]
        PKV16 " ss=", [bp + 12]
        PRINTLN
        mov eax, cs
        PKV16 "  cg16 runs at cs=", eax
        movzx eax, sp
        add eax, 2
        PKV16 " sp=", eax
        PRINTLN
        pop bp
        retf 4
        bits 32

; ring-1 gate target
cg1:
        mov eax, cs
        PKV16 "  cg1 runs at cs=", eax
        mov eax, ss
        PKV16 " ss=", eax
        mov eax, esp
        PKV32 " esp=", eax
        mov eax, [esp]
        sub eax, cg1_ret
        PKV16 " frame eip=ret+", eax
        PKV16 " cs=", [esp + 4]
        PKV32 " esp=", [esp + 8]
        PKV16 " ss=", [esp + 12]
        PRINTLN
        retf

; conforming procedure: runs at the caller's CPL
conf_proc:
        mov eax, cs
        PKV16 "  conf_proc runs at cs=", eax
        mov eax, ss
        PKV16 " ss=", eax
        PKV16 " frame cs=", [esp + 4]
        PRINTLN
        retf

jmp_target:
        mov eax, cs
        PKV16 "landed at cs=", eax
        PRINT " "
        jmp SEL_CODE32:.back
.back:  RING3_DONE                  ; (VEC_RETURN works from ring 0 too)

%include "lib/tail.inc"
