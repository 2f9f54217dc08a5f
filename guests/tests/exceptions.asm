; exceptions: one check per exception class (SDM vol. 3 6.15, table 6-1):
; which vector, whether it pushes an error code and which, and where it
; restarts -- faults report the faulting instruction (and re-execute it
; after the handler fixes the cause), traps the next one:
; #DE (div, idiv overflow, 8-bit quotient overflow, aam 0), #DB (TF single
; step, trap), #BP (int3 and int 3), #OF (into), #BR (bound), #UD (ud2,
; lock on a non-lockable instruction, lds with a register operand, mov to
; cr1), #NM (CR0.TS, CR0.EM), #TS (bad TSS.SS1 in a stack switch, TSS limit
; < 0x67), #NP (gate), #SS, #GP (privileged instructions at ring 3, IDT
; limit, gate DPL, EXT bit while delivering a benign exception), #MF (unmasked x87 zero divide with CR0.NE=1).
;
; QEMU 7.2 does not set the EXT bit (bit 0) of the error code when the
; exception happens while delivering another exception (SDM vol. 3 6.13:
; "the exception occurred during delivery of an event external to the
; program, such as an interrupt or an earlier exception"): it reports
; #GP(0010)/#NP(0032) for the last two checks, bochs #GP(0011)/#NP(0033).
; The reference transcript is bochs'; QEMU's is exceptions.qemu.txt.
; area: exceptions
; reference: bochs

%define KERNEL_NAME "exceptions"
%include "lib/kernel.inc"

FIXCODE equ KVARS                   ; hook_fix: what to change before IRET
FIXARG  equ KVARS + 4
FIX_SKIP equ 1                      ; EIP += FIXARG
FIX_ECX  equ 2                      ; ECX = FIXARG
FIX_EAX  equ 3                      ; EAX = FIXARG

S_TSSS  equ 0x68                    ; a TSS descriptor with limit 0x66
S_NPSS  equ 0x70                    ; not-present writable data (SS)
V_R1    equ 0x80                    ; DPL-3 interrupt gate to ring-1 code
V_NP    equ 0x81                    ; DPL-3 gate, not present

        bits 32
main:
        SETDESC S_TSSS, TSS_B, 0x66, ACC_P | T_TSS32, 0
        SETDESC S_NPSS, 0, 0xFFFFF, ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETIDT V_R1, SEL_CODE32_R1, r1_handler, ACC_P | ACC_DPL(3) | T_INT32
        SETIDT V_NP, SEL_CODE32, r1_handler, ACC_DPL(3) | T_INT32
        mov edi, TSS_B
        call tss_clear
        HOOK hook_fix

        ; ---------------------------------------------------------- #DE
        PRINT "div ecx=0 (fault, restart with ecx=2): "
        mov dword [FIXCODE], FIX_ECX
        mov dword [FIXARG], 2
        TRY
        xor edx, edx
        mov eax, 100
        xor ecx, ecx
        div ecx
        PKV32 "  restarted: eax=", eax
        PKV32 " edx=", edx
        PRINT " "
        ENDTRY
        mov dword [FIXCODE], 0
        PRINT "idiv 80000000/-1: "
        TRY
        mov eax, 0x80000000
        cdq
        mov ecx, -1
        idiv ecx
        ENDTRY
        PRINT "div 8-bit quotient 0800: "
        TRY
        mov ax, 0x1000
        mov cl, 2
        div cl
        ENDTRY
        PRINT "aam 0: "
        TRY
        db 0xD4, 0x00
        ENDTRY

        ; ---------------------------------------------------------- #DB
        PRINT "single step (TF=1 by popfd): "
        TRY
        pushfd
        or dword [esp], FL_TF
        popfd
        nop                         ; the trap comes after this one
        nop
        ENDTRY
        mov eax, dr6
        and eax, 0x0000E00F         ; BS/BT/BD and B0-B3
        PKV32 "dr6 & e00f after single step=", eax
        PRINTLN

        ; ---------------------------------------------------------- #BP, #OF, #BR
        PRINT "int3 (trap): "
        TRY
        nop
        int3
        ENDTRY
        PRINT "int 3 (cd 03, trap): "
        TRY
        int 3
        ENDTRY
        PRINT "into, OF=1 (trap): "
        TRY
        mov al, 0x7F
        add al, 1
        into
        ENDTRY
        PRINT "into, OF=0: "
        TRY
        xor eax, eax
        into
        ENDTRY
        mov dword [KVARS + 0x10], -5
        mov dword [KVARS + 0x14], 5
        PRINT "bound -5<=7<=5 (fault, restart with eax=3): "
        mov dword [FIXCODE], FIX_EAX
        mov dword [FIXARG], 3
        TRY
        mov eax, 7
        bound eax, [KVARS + 0x10]
        PKV32 "  restarted: eax=", eax
        PRINT " "
        ENDTRY
        mov dword [FIXCODE], 0
        PRINT "bound -5<=-6<=5: "
        TRY
        mov eax, -6
        bound eax, [KVARS + 0x10]
        ENDTRY

        ; ---------------------------------------------------------- #UD
        PRINT "ud2 (skip it, continue): "
        mov dword [FIXCODE], FIX_SKIP
        mov dword [FIXARG], 2
        TRY
        ud2
        PRINT "  continued "
        ENDTRY
        mov dword [FIXCODE], 0
        PRINT "lock nop: "
        TRY
        db 0xF0, 0x90
        ENDTRY
        PRINT "lock add eax,ebx (register destination): "
        TRY
        db 0xF0, 0x01, 0xD8
        ENDTRY
        PRINT "lds eax,eax (c5 c0): "
        TRY
        db 0xC5, 0xC0
        ENDTRY
        PRINT "mov cr1,eax: "
        TRY
        db 0x0F, 0x22, 0xC8
        ENDTRY
        PRINT "lock xchg [mem],eax (legal): "
        TRY
        lock xchg [KVARS + 0x20], eax
        ENDTRY

        ; ---------------------------------------------------------- #NM
        fninit
        PRINT "fld1 with CR0.TS=1: "
        TRY
        mov eax, cr0
        or eax, CR0_TS
        mov cr0, eax
        fld1
        ENDTRY
        PRINT "fwait with CR0.TS=1, MP=0: "
        TRY
        fwait
        ENDTRY
        PRINT "fwait with CR0.TS=1, MP=1: "
        TRY
        mov eax, cr0
        or eax, CR0_MP
        mov cr0, eax
        fwait
        ENDTRY
        clts
        mov eax, cr0
        and eax, ~CR0_MP
        mov cr0, eax
        PRINT "fld1 after clts: "
        TRY
        fld1
        fstp st0
        ENDTRY
        PRINT "fld1 with CR0.EM=1: "
        TRY
        mov eax, cr0
        or eax, CR0_EM
        mov cr0, eax
        fld1
        ENDTRY
        mov eax, cr0
        and eax, ~CR0_EM
        mov cr0, eax

        ; ---------------------------------------------------------- #MF
        PRINT "x87 1/0 unmasked, CR0.NE=1: "
        mov eax, cr0
        or eax, CR0_NE
        mov cr0, eax
        fninit
        mov word [KVARS + 0x30], 0x037B     ; ZM (bit 2) clear: zero divide unmasked
        fldcw [KVARS + 0x30]
        TRY
        fld1
        fldz
        fdivp st1, st0              ; sets the exception, reported at the next fp insn
        nop
        fwait
        ENDTRY
        fnstsw ax
        and eax, 0x00BF             ; ES, exception flags
        PKV16 "fsw&00bf after=", eax
        PRINTLN
        fninit

        ; ---------------------------------------------------------- #TS, #NP, #SS
        mov dword [TSS_MAIN + 0x10], 0
        R3BEGIN "int 80 (gate to ring 1) with TSS.SS1=0: "
        int V_R1
        R3END
        mov dword [TSS_MAIN + 0x10], SEL_DATA32_R3  ; DPL 3 stack for ring 1
        R3BEGIN "int 80 (gate to ring 1) with TSS.SS1=0033: "
        int V_R1
        R3END
        mov dword [TSS_MAIN + 0x10], SEL_DATA32_R1
        R3BEGIN "int 80 (gate to ring 1) with TSS.SS1=0051: "
        int V_R1
        R3END
        PRINT "jmp to a TSS with limit 0066: "
        TRY
        jmp S_TSSS:0
        ENDTRY
        R3BEGIN "int 81 (gate not present): "
        int V_NP
        R3END
        PRINT "mov ss, not-present selector: "
        TRY
        mov eax, S_NPSS
        mov ss, ax
        ENDTRY

        ; ---------------------------------------------------------- #GP
        R3BEGIN "hlt at ring 3: "
        hlt
        R3END
        R3BEGIN "cli at ring 3, IOPL 0: "
        cli
        R3END
        R3BEGIN "mov eax,cr0 at ring 3: "
        mov eax, cr0
        R3END
        R3BEGIN "lidt at ring 3: "
        lidt [ss:KVARS]
        R3END
        R3BEGIN "int 0d from ring 3 (gate dpl 0): "
        int 0x0D
        R3END
        PRINT "int 50 beyond IDT limit 017f: "
        TRY
        mov word [KVARS + 0x40], 0x30 * 8 - 1
        mov dword [KVARS + 0x42], IDT_BASE
        lidt [KVARS + 0x40]
        int 0x50
        ENDTRY
        lidt [idt_pseudo]
        PRINT "jmp 0000:x (null cs): "
        TRY
        jmp 0:main
        ENDTRY
        PRINT "ud2 with IDT[6] -> data segment (EXT): "
        SETIDT 6, SEL_DATA32, 0, ACC_P | T_INT32
        TRY
        ud2
        ENDTRY
        PRINT "ud2 with IDT[6] not present (EXT, IDT): "
        SETIDT 6, SEL_CODE32, 0, T_INT32
        TRY
        ud2
        ENDTRY
        DEFIDT 6
        EXIT 0

; ring-1 handler for V_R1: show the stack it got, return
r1_handler:
        mov eax, ss
        PKV16 "ring 1 handler ss=", eax
        mov eax, esp
        PKV32 " esp=", eax
        PRINT " "
        iretd

; fault hook: apply FIXCODE to the frame and IRET, or resume as usual
hook_fix:
        mov eax, [FIXCODE]
        cmp eax, FIX_SKIP
        je .skip
        cmp eax, FIX_ECX
        je .ecx
        cmp eax, FIX_EAX
        je .eax
        xor eax, eax
        ret
.skip:  mov eax, [FIXARG]
        add [ss:ebx], eax
        jmp .iret
.ecx:   mov eax, [FIXARG]
        mov [ss:ebp + FRAME.ecx], eax
        jmp .iret
.eax:   mov eax, [FIXARG]
        mov [ss:ebp + FRAME.eax], eax
.iret:  mov dword [FIXCODE], 0      ; once
        mov eax, ACT_IRET
        ret

%include "lib/tail.inc"
