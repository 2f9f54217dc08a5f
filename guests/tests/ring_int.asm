; ring_int: privilege changes through IRET and interrupt gates (SDM vol. 3
; 6.12, 5.8; vol. 2 INT n, IRET): ring 0 -> ring 3 by IRET; INT 0x80 from
; ring 3 through a DPL-3 interrupt gate with the TSS.SS0:ESP0 stack switch
; (the frame the handler sees, its own SS:ESP and IF); IRET back to ring 3
; (data segments with DPL < CPL nulled, conforming code kept); same-
; privilege INT (no SS:ESP in the frame); interrupt vs trap gate IF; gates
; to DPL-3 and conforming code (no stack switch, CPL stays 3); INT to a
; DPL-0 gate from ring 3 (#GP(vector*8+2)), not-present gate
; (#NP(vector*8+2)), gate to a data segment (#GP(selector)), gate to a
; less privileged code segment (#GP(selector)).
; area: privilege levels, interrupt gates
; reference: qemu

%define KERNEL_NAME "ring_int"
%include "lib/kernel.inc"

S_CRC   equ 0x68                    ; conforming code exec/read, DPL 0, flat
V_SYS   equ 0x80                    ; DPL-3 interrupt gate -> h_frame
V_TRAP  equ 0x81                    ; DPL-3 trap gate -> h_if
V_INTG  equ 0x82                    ; DPL-3 interrupt gate -> h_if
V_DPL0  equ 0x83                    ; DPL-0 interrupt gate
V_NP    equ 0x84                    ; DPL-3 gate, not present
V_DATA  equ 0x85                    ; DPL-3 gate to a data segment
V_R3    equ 0x86                    ; DPL-3 gate to ring-3 code (from ring 3: no switch)
V_CONF  equ 0x87                    ; DPL-3 gate to conforming code
V_OUTER equ 0x88                    ; DPL-0 gate to ring-3 code, raised at ring 0

        bits 32
main:
        SETDESC S_CRC, 0, 0xFFFFF, ACC_P | ACC_CODE | ACC_C | ACC_R, FLG_G | FLG_DB
        SETIDT V_SYS,   SEL_CODE32, h_frame, ACC_P | ACC_DPL(3) | T_INT32
        SETIDT V_TRAP,  SEL_CODE32, h_if, ACC_P | ACC_DPL(3) | T_TRAP32
        SETIDT V_INTG,  SEL_CODE32, h_if, ACC_P | ACC_DPL(3) | T_INT32
        SETIDT V_DPL0,  SEL_CODE32, h_if, ACC_P | T_INT32
        SETIDT V_NP,    SEL_CODE32, h_if, ACC_DPL(3) | T_INT32
        SETIDT V_DATA,  SEL_DATA32, h_if, ACC_P | ACC_DPL(3) | T_INT32
        SETIDT V_R3,    SEL_CODE32_R3, h_outer, ACC_P | ACC_DPL(3) | T_INT32
        SETIDT V_CONF,  S_CRC, h_outer, ACC_P | ACC_DPL(3) | T_INT32
        SETIDT V_OUTER, SEL_CODE32_R3, h_outer, ACC_P | T_INT32

        ; ---------------------------------------------------------- iret to ring 3
        PRINTLN "iret to ring 3 (eflags image 00000202):"
        mov dword [KVARS + 8], r3a_ret      ; h_frame prints EIP relative to this
        TRY r3a, "r3"
        TO_RING3 r3a, FL_1 | FL_IF
r3a:    mov eax, cs
        PKV16 "  r3: cs=", eax
        mov eax, ss
        PKV16 " ss=", eax
        PKVSEG " ds=", ds
        PKVSEG " es=", es
        mov eax, esp
        PKV32 " esp=", eax
        pushfd
        pop eax
        and eax, FL_DEFINED
        PKV32 " eflags=", eax
        PRINTLN
        ; a system call with known flags and registers
        mov eax, SEL_DATA32_R3
        mov ds, ax
        mov eax, 0x11111111
        mov ebx, 0x22222222
        push dword FL_1 | FL_CF | FL_ZF | FL_IF
        popfd
        int V_SYS
r3a_ret:
        pushfd
        pop ebx
        PKV32 "  r3 after iret: eax=", eax
        and ebx, FL_DEFINED
        PKV32 " eflags=", ebx
        mov eax, cs
        PKV16 " cs=", eax
        PKVSEG " ds=", ds
        PKVSEG " es=", es
        PKVSEG " fs=", fs
        mov eax, esp
        PKV32 " esp=", eax
        PRINTLN
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- same privilege
        PRINTLN "int 80 at ring 0 (no stack switch):"
        mov dword [KVARS + 8], r0_ret
        mov eax, 0x11111111
        push dword FL_1
        popfd
        int V_SYS
r0_ret: PKV32 "  r0 after iret: eax=", eax
        PRINTLN

        ; ---------------------------------------------------------- IF: interrupt vs trap gate
        PRINT "int 82 (interrupt gate) from ring 3 with IF=1: "
        TRY r3if1, "r3"
        TO_RING3 r3if1, FL_1 | FL_IF
r3if1:  int V_INTG
        RING3_DONE
        ENDTRY
        PRINT "int 81 (trap gate) from ring 3 with IF=1: "
        TRY r3if2, "r3"
        TO_RING3 r3if2, FL_1 | FL_IF
r3if2:  int V_TRAP
        RING3_DONE
        ENDTRY
        PRINT "int 81 (trap gate) at ring 0 with IF=0: "
        int V_TRAP

        ; ---------------------------------------------------------- no privilege change
        R3BEGIN "int 86 (gate to ring-3 code) from ring 3: "
        int V_R3
        R3END
        R3BEGIN "int 87 (gate to conforming dpl-0 code) from ring 3: "
        int V_CONF
        R3END

        ; ---------------------------------------------------------- faults
        R3BEGIN "int 83 (dpl-0 gate) from ring 3: "
        int V_DPL0
        R3END
        R3BEGIN "int3 (dpl-3 gate) from ring 3: "
        int3
        R3END
        R3BEGIN "int 84 (not-present gate) from ring 3: "
        int V_NP
        R3END
        R3BEGIN "int 85 (gate to a data segment) from ring 3: "
        int V_DATA
        R3END
        PRINT "int 88 (gate to ring-3 code) at ring 0: "
        TRY
        int V_OUTER
        ENDTRY
        PRINT "int 83 (dpl-0 gate) at ring 0: "
        TRY
        int V_DPL0
        ENDTRY
        EXIT 0

; INT 0x80 handler: print the frame, then return EAX = 0x600DF00D, ES =
; ring-0 data and FS = conforming code to show IRET's segment nulling.
h_frame:
        pushfd                      ; the handler's EFLAGS at entry
        push ebp
        mov ebp, esp                ; EBP+4: EFLAGS at entry; EBP+8: the frame
        mov eax, [ebp + 8]
        sub eax, [KVARS + 8]
        PKV16 "  frame: eip=ret+", eax
        PKV16 " cs=", [ebp + 12]
        mov eax, [ebp + 16]
        and eax, FL_DEFINED
        PKV32 " eflags=", eax
        test byte [ebp + 12], 3
        jz .same
        PKV32 " esp=", [ebp + 20]
        PKV16 " ss=", [ebp + 24]
.same:  PRINTLN
        mov eax, ss
        PKV16 "  handler: ss=", eax
        lea eax, [ebp + 8]
        PKV32 " esp=", eax
        mov eax, [ebp + 4]
        and eax, FL_IF | FL_TF | FL_NT | FL_RF | FL_IOPL
        PKV32 " eflags&(if|tf|nt|rf|iopl)=", eax
        PKVSEG " ds=", ds
        PRINTLN
        pop ebp
        popfd
        mov eax, SEL_DATA32
        mov es, ax
        mov eax, S_CRC
        mov fs, ax
        mov eax, 0x600DF00D
        iretd

; prints IF of the handler's EFLAGS and of the frame image
h_if:
        pushfd
        push eax
        mov eax, [esp + 4]
        and eax, FL_IF
        PKV32 "handler eflags.if=", eax
        mov eax, [esp + 16]         ; frame EFLAGS (above EAX, EFLAGS, EIP, CS)
        and eax, FL_IF
        PKV32 " frame eflags.if=", eax
        PRINTLN
        pop eax
        popfd
        iretd

; runs at the CPL of the interrupted code (gate to DPL-3 or conforming code)
h_outer:
        push eax
        mov eax, cs
        PKV16 "handler cs=", eax
        mov eax, ss
        PKV16 " ss=", eax
        PKV16 " frame cs=", [esp + 8]
        mov eax, [esp + 4]
        sub eax, [ss:try_base]
        PKV16 " frame eip=r3+", eax
        PRINTLN
        pop eax
        iretd

%include "lib/tail.inc"
