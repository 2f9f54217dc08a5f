; reset_real: the architectural reset state (SDM vol. 3 table 9-1) and
; real-address-mode basics: IVT delivery of INT n / IRET with the FLAGS
; image, real-mode exceptions (faults restart, traps do not), LIDT moving
; the IVT, segment arithmetic and 16-bit offset wrap-around.
;
; Not printed: EDX at reset (implementation-specific signature), CR0.ET
; (hardwired on P6; masked), anything A20-dependent, and real-mode limit
; violations (QEMU does not check segment limits: see seg_limits).
; area: reset state, real mode
; reference: qemu

%define KERNEL_NAME "reset_real"
%define REAL_MAIN

RS      equ 0x400                   ; reset capture area (BDA: start16 leaves it alone)
RS_EAX  equ RS + 0x00
RS_EBX  equ RS + 0x04
RS_ECX  equ RS + 0x08
RS_ESI  equ RS + 0x0C
RS_EDI  equ RS + 0x10
RS_EBP  equ RS + 0x14
RS_ESP  equ RS + 0x18
RS_FL   equ RS + 0x1C
RS_CR0  equ RS + 0x20
RS_CR2  equ RS + 0x24
RS_CR3  equ RS + 0x28
RS_CR4  equ RS + 0x2C
RS_DR6  equ RS + 0x30
RS_DR7  equ RS + 0x34
RS_CS   equ RS + 0x38
RS_DS   equ RS + 0x3A
RS_ES   equ RS + 0x3C
RS_SS   equ RS + 0x3E
RS_FS   equ RS + 0x40
RS_GS   equ RS + 0x42
RS_GDTR equ RS + 0x44               ; 6 bytes
RS_IDTR equ RS + 0x4C               ; 6 bytes
RS_RIP  equ RS + 0x54               ; the IP a CALL at the reset vector pushed

; F000:FFF0 (CS base FFFF0000): a near call, so the pushed IP shows where
; execution began, and SP (0 at reset) shows the 16-bit wrap to FFFE.
%macro RESET_VECTOR 0
        db 0xE8                     ; call near reset_entry
        dw reset_entry - 0xFFFF3 + 0x10000
%endmacro

; first instructions after that call: DS = 0 (base 0) at reset
%macro RESET_CAPTURE 0
        mov [RS_EAX], eax
        mov [RS_EBX], ebx
        mov [RS_ECX], ecx
        mov [RS_ESI], esi
        mov [RS_EDI], edi
        mov [RS_EBP], ebp
        mov [RS_ESP], esp
        pushfd
        pop dword [RS_FL]
        mov eax, cr0
        mov [RS_CR0], eax
        mov eax, cr2
        mov [RS_CR2], eax
        mov eax, cr3
        mov [RS_CR3], eax
        mov eax, cr4
        mov [RS_CR4], eax
        mov eax, dr6
        mov [RS_DR6], eax
        mov eax, dr7
        mov [RS_DR7], eax
        mov [RS_CS], cs
        mov [RS_DS], ds
        mov [RS_ES], es
        mov [RS_SS], ss
        mov [RS_FS], fs
        mov [RS_GS], gs
        o32 sgdt [RS_GDTR]
        o32 sidt [RS_IDTR]
        mov ax, [ss:0xFFFE]
        mov [RS_RIP], ax
%endmacro

%include "lib/kernel.inc"

        bits 16
main16:
        ; ---------------------------------------------------------- reset state
        PKV32 "reset: eax=", [RS_EAX]
        PKV32 " ebx=", [RS_EBX]
        PKV32 " ecx=", [RS_ECX]
        PKV32 " esi=", [RS_ESI]
        PKV32 " edi=", [RS_EDI]
        PKV32 " ebp=", [RS_EBP]
        PRINTLN
        movzx eax, word [RS_RIP]
        PKV16 "reset: call at the reset vector pushed ip=", eax
        PKV32 " esp=", [RS_ESP]
        PRINTLN
        PKV32 "reset: eflags=", [RS_FL]
        mov eax, [RS_CR0]
        and eax, ~CR0_ET
        PKV32 " cr0&~ET=", eax
        PKV32 " cr2=", [RS_CR2]
        PKV32 " cr3=", [RS_CR3]
        PKV32 " cr4=", [RS_CR4]
        PRINTLN
        PKV32 "reset: dr6=", [RS_DR6]
        PKV32 " dr7=", [RS_DR7]
        PRINTLN
        PKV16 "reset: cs=", [RS_CS]
        PKV16 " ds=", [RS_DS]
        PKV16 " es=", [RS_ES]
        PKV16 " ss=", [RS_SS]
        PKV16 " fs=", [RS_FS]
        PKV16 " gs=", [RS_GS]
        PRINTLN
        PKV16 "reset: gdtr limit=", [RS_GDTR]
        PKV32 " base=", [RS_GDTR + 2]
        PKV16 " idtr limit=", [RS_IDTR]
        PKV32 " base=", [RS_IDTR + 2]
        PRINTLN

        ; ---------------------------------------------------------- INT n / IRET
        ; handler 0x40 prints the frame it sees and clears CF in the image
        mov word [0x40 * 4], R(int40)
        mov word [0x40 * 4 + 2], 0xF000
        PRINT "int 40: "
        push word FL_1 | FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_IF | FL_DF | FL_OF
        popf
        int 0x40
int40_ret:
        pushf
        cli
        cld
        movzx eax, word [esp]
        add sp, 2
        PKV16 " after iret flags=", eax
        PRINTLN

        ; the same through an IVT relocated by LIDT (base 0x20000)
        push es
        mov ax, 0x2000
        mov es, ax
        xor si, si
        xor di, di
        mov cx, 0x400 / 2
        rep movsw                   ; copy the IVT
        mov word [es:0x41 * 4], R(int41)
        mov word [es:0x41 * 4 + 2], 0xF000
        pop es
        mov dword [0x41 * 4], 0     ; the original entry must not be used
        mov word [KVARS], 0x3FF
        mov dword [KVARS + 2], 0x20000
        o32 lidt [KVARS]
        PRINT "int 41 with idtr.base=20000: "
        int 0x41
        mov word [KVARS], 0x3FF
        mov dword [KVARS + 2], 0
        o32 lidt [KVARS]
        o32 sidt [KVARS + 8]
        PKV32 "idtr.base back to ", [KVARS + 10]
        PRINTLN

        ; ---------------------------------------------------------- exceptions
        PRINT "div by zero (fault: ip of div): "
        TRY
        mov ax, 1
        xor cl, cl
        div cl
        ENDTRY
        PRINT "ud2 (fault): "
        TRY
        ud2
        ENDTRY
        PRINT "int3 (trap: ip after): "
        TRY
        nop
        int3
        ENDTRY
        PRINT "into with OF=1 (trap): "
        TRY
        mov al, 0x7F
        add al, 1
        into
        ENDTRY
        PRINT "into with OF=0: "
        TRY
        xor al, al
        into
        ENDTRY
        mov word [KVARS + 0x10], 10
        mov word [KVARS + 0x12], 20
        PRINT "bound 15 in [10,20]: "
        TRY
        mov ax, 15
        bound ax, [KVARS + 0x10]
        ENDTRY
        PRINT "bound 30 in [10,20] (fault): "
        TRY
        mov ax, 30
        bound ax, [KVARS + 0x10]
        ENDTRY
        PRINT "int 42 (soft, ip after): "
        TRY
        int 0x42
        ENDTRY

        ; ---------------------------------------------------------- segments
        push ds
        mov ax, 0x1234
        mov es, ax
        mov word [es:0x0010], 0xBEEF        ; physical 0x12350
        mov ax, 0x1235
        mov fs, ax
        mov ax, 0x1000
        mov gs, ax
        movzx eax, word [fs:0x0000]
        PKV16 "1234:0010 written, 1235:0000=", eax
        movzx eax, word [gs:0x2350]
        PKV16 " 1000:2350=", eax
        movzx eax, byte [gs:0x2351]
        PKV8 " 1000:2351=", eax
        PRINTLN
        ; 16-bit effective addresses wrap at 64 KiB
        mov ax, 0x2000
        mov ds, ax
        mov byte [0x0002], 0xA5
        mov byte [0x0008], 0x5A
        mov bx, 0xFFFF
        mov si, 3
        movzx eax, byte [bx + si]           ; offset 0x0002
        mov bx, 0xFFF8
        movzx ecx, byte [bx + 0x10]         ; offset 0x0008
        mov si, 0xFFFF
        mov byte [si], 0x77
        cld
        lodsb                               ; SI wraps to 0000
        movzx edx, si
        movzx edi, al
        pop ds
        PKV8 "[ffff+3]=", eax
        PKV8 " [fff8+10]=", ecx
        PKV8 " lodsb at ffff: al=", edi
        PKV16 " si after=", edx
        PRINTLN
        ; SP wraps: a push at SP=0 writes at FFFE
        mov ax, 0x3000
        mov es, ax
        mov word [es:0xFFFE], 0
        mov dx, ss
        mov bx, sp
        cli
        mov ss, ax
        xor sp, sp
        push word 0xCAFE
        mov cx, sp
        mov ss, dx
        mov sp, bx
        movzx ecx, cx
        PKV16 "push at sp=0: sp=", ecx
        movzx eax, word [es:0xFFFE]
        PKV16 " [3000:fffe]=", eax
        PRINTLN
        EXIT 0

; INT 40 handler: frame at SS:SP = IP, CS, FLAGS
int40:
        push bp
        mov bp, sp
        pushf
        movzx eax, word [bp + 2]
        sub eax, R(int40_ret)
        PKV16 "frame ip=int40_ret+", eax
        PKV16 " cs=", [bp + 4]
        PKV16 " flags=", [bp + 6]
        movzx eax, word [bp - 2]
        PKV16 " handler flags=", eax
        add sp, 2
        and word [bp + 6], ~FL_CF
        pop bp
        iret

int41:
        PRINTLN "int41 reached"
        iret

%include "lib/tail.inc"
